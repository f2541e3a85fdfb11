// /api/doctor/* account routes. Appointment and dashboard routes live in the appointments module.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, feesValue, Message, parseAddress } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { openSession } from '../auth/login.js';
import { collectMultipart } from '../media/multipart.js';
import { publicListRoute } from './list-route.js';
import { ChangeAvailabilityBody, DoctorLoginBody, DoctorProfile, DoctorTokenResponse, DoctorUpdateBody } from './schemas.js';

const tags = ['doctors'];
const security = [{ bearer: [] }];

export const doctorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { doctors, doctorDirectory } = app.ctx;

  await app.register(publicListRoute); // cached, ETag / 304: list-route.ts

  app.post('/login', {
    config: { public: true, authRateLimit: 'login', metered: { login: 'doctor' }, audit: 'login' },
    schema: { tags, operationId: 'loginDoctor', summary: 'Doctor login', body: DoctorLoginBody, response: { 200: DoctorTokenResponse, ...errors(401) } },
  }, async (request) => {
    const { id, mustChangePassword } = await doctors.login(request.body);
    const session = await openSession(app.ctx, request, 'doctor', id, request.body.otp);
    return { success: true, ...session, ...(mustChangePassword ? { mustChangePassword: true } : {}) };
  });

  app.get('/profile', {
    schema: { tags, operationId: 'getDoctorProfile', summary: 'The logged-in doctor', security, response: { 200: Type.Object({ success: Type.Boolean(), profileData: DoctorProfile }), ...errors(404) } },
  }, async (request) => ({ success: true, profileData: await doctorDirectory.profile(authId(request)) }));

  app.post('/update-profile', {
    preValidation: collectMultipart,
    schema: {
      tags,
      operationId: 'updateDoctorProfile',
      summary: 'Update fees, address, about, availability (JSON, or multipart with an optional `image`)',
      consumes: ['application/json', 'multipart/form-data'],
      security,
      body: DoctorUpdateBody,
      response: { 200: Type.Object({ success: Type.Boolean(), message: Type.String(), profileData: DoctorProfile }), ...errors(404, 502) },
    },
  }, async (request) => {
    const { address, fees, ...rest } = request.body;
    const profileData = await doctorDirectory.updateProfile(authId(request), { ...rest, fees: feesValue(fees), address: parseAddress(address), image: request.upload });
    return { success: true, message: 'Profile Updated', profileData };
  });

  app.post('/change-availability', {
    schema: { tags, operationId: 'changeDoctorAvailability', summary: 'Set (or, without `available`, toggle) the doctor’s availability', security, body: ChangeAvailabilityBody, response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    const row = await doctors.changeAvailability(authId(request), request.body.available);
    return { success: true, message: `Availability changed: ${row.available ? 'available' : 'not available'}` };
  });
};
