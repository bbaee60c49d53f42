import { getConversationFlow } from '../../analytics/conversation-flow.ts';
import type { Handler } from '../context.ts';
import { rangeParam, textParam, versionParam } from '../params.ts';

export const conversationFlowHandlers: Record<string, Handler> = {
  // GET /v1/bots/{bot_id}/conversations/{conversation_id}/flow
  Analytics_GetConversationFlow: async ({ params, query, principal, services, signal }) => {
    const version = versionParam(query.version);
    const range = rangeParam(query);
    // An empty `message_id=` is the same as none: the whole flow.
    const messageId = textParam(query.message_id);
    return getConversationFlow(
      services.reader,
      {
        teamId: principal.teamId,
        botId: params.bot_id ?? '',
        version,
        conversationId: params.conversation_id ?? '',
        range,
        messageId: messageId === '' ? undefined : messageId,
      },
      signal,
    );
  },
};
