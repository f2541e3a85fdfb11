// /api/admin/* routes for the administrator's own account and doctor management.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { aliasDoc, errors, Message, parseAddress } from '../../lib/schemas.js';
import { openSession } from '../auth/login.js';
import { AddDoctorBody, DoctorProfile } from '../doctors/schemas.js';
import { collectMultipart } from '../media/multipart.js';
import { TokenResponse } from '../patients/schemas.js';
import { AdminLoginBody, DocIdBody } from './schemas.js';

const tags = ['admin'];
const security = [{ bearer: [] }];

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { admin, doctors, doctorDirectory } = app.ctx;

  app.post('/login', {
    config: { public: true, authRateLimit: 'login', metered: { login: 'admin' }, audit: 'login' },
    schema: { tags, operationId: 'loginAdmin', summary: 'Admin login', body: AdminLoginBody, response: { 200: TokenResponse, ...errors(401) } },
  }, async (request) => {
    const { id } = await admin.login(request.body);
    return { success: true, ...(await openSession(app.ctx, request, 'admin', id, request.body.otp)) };
  });

  app.post('/add-doctor', {
    preValidation: collectMultipart,
    schema: {
      tags,
      operationId: 'addDoctor',
      summary: 'Onboard a doctor (multipart form with the picture in `image`)',
      consumes: ['multipart/form-data'],
      security,
      body: AddDoctorBody,
      response: { 201: Type.Object({ success: Type.Boolean(), message: Type.String(), doctor: DoctorProfile }), ...errors(409, 502) },
    },
  }, async (request, reply) => {
    const { address, ...rest } = request.body;
    const row = await doctors.create({ ...rest, address: parseAddress(address), image: request.upload });
    return reply.code(201).send({ success: true, message: 'Doctor Added', doctor: doctors.profileView(row) });
  });

  // GET is the one to use; old admin panels POST.
  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/all-doctors',
      schema: {
        tags,
        ...aliasDoc(['GET', 'POST'], method, 'listDoctorsForAdmin', 'Every doctor with contact details'),
        security,
        response: { 200: Type.Object({ success: Type.Boolean(), doctors: Type.Array(DoctorProfile) }) },
      },
      handler: async () => ({ success: true, doctors: await doctorDirectory.adminList() }),
    });
  }

  app.post('/change-availability', {
    schema: { tags, operationId: 'toggleDoctorAvailability', summary: 'Toggle a doctor’s availability', security, body: DocIdBody, response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    const row = await doctors.changeAvailability(request.body.docId);
    return { success: true, message: `Availability changed: ${row.available ? 'available' : 'not available'}` };
  });
};
