import type { Scope } from '../auth/tokens.ts';

// Scope per operation (CONTRACT §6): ingest writes, admin manages definitions and
// subscriptions, read answers analytics; echo only needs a valid token.
const ADMIN_OPERATIONS = new Set([
  'Analytics_ListEventDefinitions',
  'Analytics_CreateEventDefinition',
  'Analytics_ListTeamEventDefinitions',
  'Analytics_ListSubscriptions',
  'Analytics_CreateSubscription',
  'Analytics_DeleteSubscription',
  'Analytics_ListDeliveries',
]);

export function scopeOf(operationId: string): Scope | 'any' {
  if (operationId === 'Analytics_Echo' || operationId === 'Analytics_GetTokenInfo') return 'any';
  if (operationId === 'Analytics_Ingest' || operationId === 'Analytics_TrackEvent') return 'ingest';
  if (ADMIN_OPERATIONS.has(operationId)) return 'admin';
  return 'read';
}
