import { Type, type Static } from 'typebox';
import { IdString } from '../../lib/schemas.js';

export const MAX_COMMENT = 2000;
export const MAX_PAGE = 50;

const Iso = (description: string) => Type.String({ description: `${description}, ISO 8601` });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const RatingOut = Type.Object({
  average: Type.Union([Type.Number(), Type.Null()], { description: 'mean of the visible ratings, two decimals; null without any' }),
  count: Type.Integer({ description: 'number of visible reviews' }),
});

const publicFields = {
  _id: Type.String(),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Nullable(Type.String()),
  author: Type.String({ description: 'the reviewer’s first name and last initial ("Ann L."), never more' }),
  createdAt: Iso('when it was written'),
  updatedAt: Iso('when it was last edited'),
  reply: Nullable(Type.String({ description: 'the doctor’s answer' })),
  repliedAt: Nullable(Iso('when the doctor answered')),
};

/** What anyone may see of a review: the reviewer as first name and last initial, nothing else of theirs. */
export const PublicReview = Type.Object(publicFields);
export type PublicReview = Static<typeof PublicReview>;

/** The patient's own review, with its appointment and until when it can be edited. */
export const OwnReview = Type.Object({
  ...publicFields,
  appointmentId: Type.String(),
  doctorId: Type.String(),
  editableUntil: Iso('the review can be edited until then'),
  hidden: Type.Boolean({ description: 'hidden by the admin: not shown publicly, not counted in the rating' }),
});

export type OwnReview = Static<typeof OwnReview>;

/** A review as its doctor sees it on the dashboard. */
export const DoctorReview = Type.Object({ ...publicFields, appointmentId: Type.String(), hidden: Type.Boolean() });
export type DoctorReview = Static<typeof DoctorReview>;

export const ModeratedReview = Type.Object({
  ...publicFields,
  appointmentId: Type.String(),
  doctorId: Type.String(),
  hidden: Type.Boolean(),
  hiddenReason: Nullable(Type.String()),
  reports: Type.Integer({ description: 'how many patients or doctors reported it' }),
  reasons: Type.Array(Type.String(), { description: 'the latest reasons given (up to 5)' }),
  lastReportedAt: Iso('the latest report (the writing time when never reported)'),
});
export type ModeratedReview = Static<typeof ModeratedReview>;

export const ReviewBody = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5, description: '1 (poor) to 5 (excellent)' }),
    comment: Type.Optional(Nullable(Type.String({ maxLength: MAX_COMMENT, description: `up to ${MAX_COMMENT} characters; empty or null for none` }))),
  },
  { additionalProperties: false },
);

export const ReplyBody = Type.Object({ reply: Type.String({ minLength: 1, maxLength: MAX_COMMENT, description: `up to ${MAX_COMMENT} characters` }) }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, description: "why (up to 500 characters)" }) }, { additionalProperties: false });
export const HideBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500, description: "required to hide; up to 500 characters" })) }, { additionalProperties: false });

export const AppointmentParams = Type.Object({ appointmentId: IdString('appointment id') });
export const ReviewParams = Type.Object({ reviewId: IdString('review id') });
export const DoctorParams = Type.Object({ docId: IdString('doctor id') });

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 10 })),
    before: Type.Optional(Type.String({ maxLength: 60, description: 'the `next` cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const ModerationQuery = Type.Object(
  {
    filter: Type.Optional(Type.Union([Type.Literal('reported'), Type.Literal('hidden')], { default: 'reported' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20 })),
  },
  { additionalProperties: false },
);

export const OwnReviewAnswer = Type.Object({ success: Type.Boolean(), review: OwnReview });
export const OwnReviewList = Type.Object({ success: Type.Boolean(), reviews: Type.Array(OwnReview) });
export const PublicReviewPage = Type.Object({ success: Type.Boolean(), rating: RatingOut, reviews: Type.Array(PublicReview), next: Nullable(Type.String({ description: 'cursor of the next (older) page' })) });
export const DoctorReviewPage = Type.Object({ success: Type.Boolean(), rating: RatingOut, reviews: Type.Array(DoctorReview), next: Nullable(Type.String()) });
export const DoctorReviewAnswer = Type.Object({ success: Type.Boolean(), review: DoctorReview });
export const ModerationPage = Type.Object({ success: Type.Boolean(), reviews: Type.Array(ModeratedReview), total: Type.Integer() });
export const ModeratedAnswer = Type.Object({ success: Type.Boolean(), review: Type.Object({ ...publicFields, hidden: Type.Boolean() }) });
