import type { Handler } from '../context.ts';

export const echoHandlers: Record<string, Handler> = {
  Analytics_Echo: async ({ body }) => ({ message: (body as { message: string }).message }),
};
