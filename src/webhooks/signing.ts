import crypto from 'node:crypto';

/** Key per Standard Webhooks: base64 remainder after `whsec_`, else the secret's UTF-8 bytes (CONTRACT §5). */
export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export function generateSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}

/** Headers of one attempt: `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`. */
export function signatureHeaders(
  key: Buffer,
  msgId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  const sig = crypto.createHmac('sha256', key).update(`${msgId}.${timestampSec}.${body}`).digest('base64');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': `v1,${sig}`,
  };
}
