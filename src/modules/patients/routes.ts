// /api/user/* account routes. Appointment routes for patients live in the appointments module.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, parseAddress } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { openSession } from '../auth/login.js';
import { collectMultipart } from '../media/multipart.js';
import { LoginBody, RegisterBody, TokenResponse, UpdateProfileBody, UserData } from './schemas.js';

const tags = ['patients'];

export const patientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { patients } = app.ctx;

  app.post('/register', {
    config: { public: true, authRateLimit: 'failures', audit: 'login' },
    schema: { tags, operationId: 'registerPatient', summary: 'Create a patient account', body: RegisterBody, response: { 201: TokenResponse, ...errors(409) } },
  }, async (request, reply) => {
    const { id } = await patients.register(request.body);
    return reply.code(201).send({ success: true, ...(await openSession(app.ctx, request, 'patient', id)) });
  });

  app.post('/login', {
    config: { public: true, authRateLimit: 'login', metered: { login: 'patient' }, audit: 'login' },
    schema: { tags, operationId: 'loginPatient', summary: 'Patient login', body: LoginBody, response: { 200: TokenResponse, ...errors(401) } },
  }, async (request) => {
    const { id } = await patients.login(request.body);
    return { success: true, ...(await openSession(app.ctx, request, 'patient', id, request.body.otp)) };
  });

  app.get('/get-profile', {
    schema: { tags, operationId: 'getPatientProfile', summary: 'The logged-in patient', security: [{ bearer: [] }], response: { 200: Type.Object({ success: Type.Boolean(), userData: UserData }), ...errors(404) } },
  }, async (request) => ({ success: true, userData: await patients.profile(authId(request)) }));

  app.post('/update-profile', {
    preValidation: collectMultipart,
    schema: {
      tags,
      operationId: 'updatePatientProfile',
      summary: 'Update the patient profile (JSON or multipart with an optional `image` file)',
      consumes: ['application/json', 'multipart/form-data'],
      security: [{ bearer: [] }],
      body: UpdateProfileBody,
      response: { 200: Type.Object({ success: Type.Boolean(), message: Type.String(), userData: UserData }), ...errors(404, 502) },
    },
  }, async (request) => {
    const { address, ...rest } = request.body;
    const userData = await patients.updateProfile(authId(request), { ...rest, address: parseAddress(address), image: request.upload });
    return { success: true, message: 'Profile Updated', userData };
  });
};

