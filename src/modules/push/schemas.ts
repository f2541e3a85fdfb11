import { Type } from 'typebox';
import { IdString } from '../../lib/schemas.js';

export const SubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 8, maxLength: 2048, description: 'the push service URL the browser gave (PushSubscription.endpoint); https' }),
    keys: Type.Object(
      {
        p256dh: Type.String({ minLength: 87, maxLength: 88, pattern: '^[A-Za-z0-9_-]+=?$', description: "the browser's P-256 public key, base64url (65 bytes)" }),
        auth: Type.String({ minLength: 22, maxLength: 24, pattern: '^[A-Za-z0-9_-]+(==)?$', description: 'the auth secret, base64url (16 bytes)' }),
      },
      { additionalProperties: false },
    ),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'as PushSubscription.toJSON() gives it; not used' })),
  },
  { additionalProperties: false },
);

export const SubscriptionParams = Type.Object({ subscriptionId: IdString('push subscription id') });

export const SubscriptionView = Type.Object({
  _id: Type.String(),
  endpoint: Type.String(),
  createdAt: Type.String({ description: 'ISO 8601' }),
  updatedAt: Type.String({ description: 'ISO 8601' }),
});

export const SubscriptionAnswer = Type.Object({ success: Type.Boolean(), subscription: SubscriptionView });

export const PublicKeyAnswer = Type.Object({
  success: Type.Boolean(),
  enabled: Type.Boolean({ description: 'false when the server has no VAPID keys: push notifications are off' }),
  publicKey: Type.Union([Type.String(), Type.Null()], { description: "the server's VAPID public key (base64url), the applicationServerKey of PushManager.subscribe()" }),
});
