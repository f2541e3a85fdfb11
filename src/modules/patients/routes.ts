// /api/user/* account routes. Appointment routes for patients live in the appointments module.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, parseAddress } from '../../lib/schemas.js';
import { authId, requireRole } from '../auth/guards.js';
import { openSession } from '../auth/login.js';
import { collectMultipart } from '../media/multipart.js';
import { LoginBody, RegisterBody, TokenResponse, UpdateProfileBody, UserData } from './schemas.js';

const tags = ['patients'];

export const patientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { patients, tokens } = app.ctx;
  const patientOnly = requireRole(tokens, 'patient');

  app.post('/register', {
    schema: { tags, summary: 'Create a patient account', body: RegisterBody, response: { 201: TokenResponse, ...errorResponses } },
  }, async (request, reply) => {
    const { id } = await patients.register(request.body);
    return reply.code(201).send({ success: true, ...(await openSession(app.ctx, request, 'patient', id)) });
  });

  app.post('/login', {
    schema: { tags, summary: 'Patient login', body: LoginBody, response: { 200: TokenResponse, ...errorResponses } },
  }, async (request) => {
    const { id } = await patients.login(request.body);
    return { success: true, ...(await openSession(app.ctx, request, 'patient', id)) };
  });

  app.get('/get-profile', {
    onRequest: patientOnly,
    schema: { tags, summary: 'The logged-in patient', security: [{ bearer: [] }], response: { 200: Type.Object({ success: Type.Boolean(), userData: UserData }), ...errorResponses } },
  }, async (request) => ({ success: true, userData: await patients.profile(authId(request)) }));

  app.post('/update-profile', {
    onRequest: patientOnly,
    preValidation: collectMultipart,
    schema: {
      tags,
      summary: 'Update the patient profile (JSON or multipart with an optional `image` file)',
      consumes: ['application/json', 'multipart/form-data'],
      security: [{ bearer: [] }],
      body: UpdateProfileBody,
      response: { 200: Type.Object({ success: Type.Boolean(), message: Type.String(), userData: UserData }), ...errorResponses },
    },
  }, async (request) => {
    const { address, ...rest } = request.body;
    const userData = await patients.updateProfile(authId(request), { ...rest, address: parseAddress(address), image: request.upload });
    return { success: true, message: 'Profile Updated', userData };
  });
};

