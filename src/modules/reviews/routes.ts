// Review routes for each role, registered under /api/user, /api/doctor and /api/admin, and the
// public reviews of a doctor (/api/doctor/:docId/reviews).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors, Message } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import {
  AppointmentParams, DoctorParams, DoctorReviewAnswer, DoctorReviewPage, HideBody, ModeratedAnswer, ModerationPage, ModerationQuery,
  OwnReviewAnswer, OwnReviewList, PageQuery, PublicReviewPage, ReasonBody, ReplyBody, ReviewBody, ReviewParams,
} from './schemas.js';

const tags = ['reviews'];
const security = [{ bearer: [] }];

export const patientReviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { reviews } = app.ctx;

  app.post('/appointments/:appointmentId/review', {
    schema: {
      tags, operationId: 'createReview', security, params: AppointmentParams, body: ReviewBody,
      summary: 'Rate one of your completed appointments (1–5, optional comment); once per appointment',
      response: { 201: OwnReviewAnswer, ...errors(404, 409) },
    },
  }, async (request, reply) => reply.code(201).send({ success: true, review: await reviews.create(authId(request), request.params.appointmentId, request.body) }));

  app.put('/appointments/:appointmentId/review', {
    schema: {
      tags, operationId: 'editReview', security, params: AppointmentParams, body: ReviewBody,
      summary: 'Change the rating and comment of your review, within 30 days of writing it',
      response: { 200: OwnReviewAnswer, ...errors(404, 409) },
    },
  }, async (request) => ({ success: true, review: await reviews.edit(authId(request), request.params.appointmentId, request.body) }));

  app.get('/reviews', {
    schema: { tags, operationId: 'listOwnReviews', security, summary: 'The reviews you wrote, newest first, with until when each can be edited', response: { 200: OwnReviewList } },
  }, async (request) => ({ success: true, reviews: await reviews.ownReviews(authId(request)) }));

  app.post('/reviews/:reviewId/report', {
    schema: { tags, operationId: 'reportReviewAsPatient', security, params: ReviewParams, body: ReasonBody, summary: 'Ask the admin to look at a review (abusive, personal data, not about care)', response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    await reviews.report('patient', authId(request), request.params.reviewId, request.body.reason);
    return { success: true, message: 'Review reported' };
  });
};

export const doctorReviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { reviews, doctors } = app.ctx;

  app.get('/:docId/reviews', {
    config: { public: true },
    schema: {
      tags, operationId: 'listDoctorReviews', params: DoctorParams, querystring: PageQuery,
      summary: 'A doctor’s rating and visible reviews, newest first (reviewers shown as first name and initial); public',
      response: { 200: PublicReviewPage, ...errors(404) },
    },
  }, async (request) => {
    await doctors.get(request.params.docId);
    const { limit = 10, before } = request.query;
    return { success: true, ...(await reviews.forDoctorPublic(request.params.docId, limit, before)) };
  });

  app.get('/reviews', {
    schema: { tags, operationId: 'listReviewsOfDoctor', security, querystring: PageQuery, summary: 'Reviews of the logged-in doctor, hidden ones included and marked, newest first', response: { 200: DoctorReviewPage } },
  }, async (request) => {
    const { limit = 10, before } = request.query;
    return { success: true, ...(await reviews.forDoctorOwn(authId(request), limit, before)) };
  });

  app.post('/reviews/:reviewId/reply', {
    schema: { tags, operationId: 'replyToReview', security, params: ReviewParams, body: ReplyBody, summary: 'Answer a review about you, once (the answer is public)', response: { 200: DoctorReviewAnswer, ...errors(404, 409) } },
  }, async (request) => ({ success: true, review: await reviews.reply(authId(request), request.params.reviewId, request.body.reply) }));

  app.post('/reviews/:reviewId/report', {
    schema: { tags, operationId: 'reportReviewAsDoctor', security, params: ReviewParams, body: ReasonBody, summary: 'Ask the admin to look at a review about you', response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    await reviews.report('doctor', authId(request), request.params.reviewId, request.body.reason);
    return { success: true, message: 'Review reported' };
  });
};

export const adminReviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { reviews } = app.ctx;

  app.get('/reviews', {
    schema: { tags, operationId: 'listReviewsForModeration', security, querystring: ModerationQuery, summary: 'Reviews for moderation: the reported ones (default, latest report first) or the hidden ones', response: { 200: ModerationPage } },
  }, async (request) => {
    const { filter = 'reported', page = 1, limit = 20 } = request.query;
    return { success: true, ...(await reviews.moderationList(filter, page, limit)) };
  });

  // admin changes are written to the audit log by the audit hook (target: the review)
  app.post('/reviews/:reviewId/hide', {
    schema: { tags, operationId: 'hideReview', security, params: ReviewParams, body: HideBody, summary: 'Hide a review from the public and from the rating (a reason is required; audit-logged)', response: { 200: ModeratedAnswer, ...errors(404) } },
  }, async (request) => ({ success: true, review: await reviews.setHidden(request.params.reviewId, true, request.body.reason) }));

  app.post('/reviews/:reviewId/unhide', {
    schema: { tags, operationId: 'unhideReview', security, params: ReviewParams, summary: 'Show a hidden review again (audit-logged)', response: { 200: ModeratedAnswer, ...errors(404) } },
  }, async (request) => ({ success: true, review: await reviews.setHidden(request.params.reviewId, false) }));
};
