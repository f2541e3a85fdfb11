import { Type } from 'typebox';
import { IdString } from '../../lib/schemas.js';

export const PayBody = Type.Object({ appointmentId: IdString('appointment id') }, { additionalProperties: false });

const GatewayId = (description: string) => Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_]+$', description });

export const VerifyRazorpayBody = Type.Object(
  {
    razorpay_order_id: GatewayId('the order id from payment-razorpay'),
    razorpay_payment_id: Type.Optional(GatewayId('from Razorpay Checkout’s handler')),
    razorpay_signature: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'from Razorpay Checkout’s handler' })),
    // old clients send the appointment id too; the order already names it
    appointmentId: Type.Optional(IdString('ignored: the order names its appointment')),
  },
  { additionalProperties: false },
);

export const VerifyStripeBody = Type.Object(
  {
    appointmentId: IdString('appointment id'),
    session_id: Type.Optional(GatewayId('Checkout Session id; default: the appointment’s latest')),
    success: Type.Optional(Type.Union([Type.Boolean(), Type.String({ maxLength: 10 })], { description: 'what the return URL said; informational only' })),
  },
  { additionalProperties: false },
);

export const RazorpayOrderOut = Type.Object({
  success: Type.Boolean(),
  // built from the gateway's answer (payments/razorpay.ts): id, amount and currency always, the
  // others when Razorpay sent them
  order: Type.Object({
    id: Type.String(),
    entity: Type.Optional(Type.String()),
    amount: Type.Number({ description: 'minor units (paise)' }),
    amount_paid: Type.Optional(Type.Number()),
    amount_due: Type.Optional(Type.Number()),
    currency: Type.String(),
    receipt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    status: Type.Optional(Type.String()),
    attempts: Type.Optional(Type.Number()),
    created_at: Type.Optional(Type.Number()),
  }),
  key: Type.String({ description: 'the public key id Razorpay Checkout needs' }),
});

export const StripeSessionOut = Type.Object({
  success: Type.Boolean(),
  session: Type.Object({ id: Type.String(), url: Type.String() }),
  session_url: Type.String(),
});

export const ReceiptParams = Type.Object({ id: IdString('appointment id') }, { additionalProperties: false });

export const WebhookOut = Type.Object({ received: Type.Boolean(), duplicate: Type.Boolean(), outcome: Type.String() });
