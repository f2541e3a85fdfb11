import { Type } from 'typebox';
import { CalendarDate } from '../../lib/schemas.js';

const Day = CalendarDate;

const rangeFields = {
  from: Type.Optional(Day('first local day, YYYY-MM-DD (default: 29 days before `to`)')),
  to: Type.Optional(Day('last local day, YYYY-MM-DD, inclusive (default: today in `tz`)')),
  tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the days and buckets (default TIMEZONE)' })),
  interval: Type.Optional(Type.Enum(['day', 'week', 'month'], { description: 'bucket size (weeks start on Monday)' })),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'csv streams RFC 4180 text/csv in UTF-8' })),
};

export const RangeQuery = Type.Object(rangeFields, { additionalProperties: false });

export const RevenueQuery = Type.Object(
  { ...rangeFields, groupBy: Type.Optional(Type.Enum(['period', 'doctor', 'speciality'], { description: 'default period' })) },
  { additionalProperties: false },
);

export const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const ReportResponse = Type.Object({
  success: Type.Boolean(),
  report: Type.String(),
  from: Type.String(),
  to: Type.String(),
  tz: Type.String(),
  interval: Type.String(),
  columns: Type.Array(Type.String()),
  rows: Type.Array(Type.Record(Type.String(), Cell)),
});
