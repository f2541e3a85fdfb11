// /api/admin/* routes for the administrator's own account and doctor management.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, Message, parseAddress } from '../../lib/schemas.js';
import { requireRole } from '../auth/guards.js';
import { openSession } from '../auth/login.js';
import { DoctorProfile } from '../doctors/schemas.js';
import { collectMultipart } from '../media/multipart.js';
import { TokenResponse } from '../patients/schemas.js';
import { AddDoctorBody, AdminLoginBody, DocIdBody } from './schemas.js';

const tags = ['admin'];
const security = [{ bearer: [] }];

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { admin, doctors, tokens } = app.ctx;
  const onRequest = requireRole(tokens, 'admin');

  app.post('/login', {
    schema: { tags, summary: 'Admin login', body: AdminLoginBody, response: { 200: TokenResponse, ...errorResponses } },
  }, async (request) => {
    const { id } = await admin.login(request.body);
    return { success: true, ...(await openSession(app.ctx, request, 'admin', id, request.body.otp)) };
  });

  app.post('/add-doctor', {
    onRequest,
    preValidation: collectMultipart,
    schema: {
      tags,
      summary: 'Onboard a doctor (multipart form with the picture in `image`)',
      consumes: ['multipart/form-data'],
      security,
      body: AddDoctorBody,
      response: { 201: Type.Object({ success: Type.Boolean(), message: Type.String(), doctor: DoctorProfile }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { address, ...rest } = request.body;
    const row = await doctors.create({ ...rest, address: parseAddress(address), image: request.upload });
    return reply.code(201).send({ success: true, message: 'Doctor Added', doctor: doctors.profileView(row) });
  });

  app.post('/all-doctors', {
    onRequest,
    schema: { tags, summary: 'Every doctor with contact details (POST, as old admin panels call it)', security, response: { 200: Type.Object({ success: Type.Boolean(), doctors: Type.Array(DoctorProfile) }), ...errorResponses } },
  }, async () => ({ success: true, doctors: await doctors.adminList() }));

  app.get('/all-doctors', {
    onRequest,
    schema: { tags, summary: 'Every doctor with contact details', security, response: { 200: Type.Object({ success: Type.Boolean(), doctors: Type.Array(DoctorProfile) }), ...errorResponses } },
  }, async () => ({ success: true, doctors: await doctors.adminList() }));

  app.post('/change-availability', {
    onRequest,
    schema: { tags, summary: 'Toggle a doctor’s availability', security, body: DocIdBody, response: { 200: Message, ...errorResponses } },
  }, async (request) => {
    const row = await doctors.changeAvailability(request.body.docId);
    return { success: true, message: `Availability changed: ${row.available ? 'available' : 'not available'}` };
  });
};
