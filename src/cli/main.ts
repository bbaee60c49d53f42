import { Command } from 'commander';
import { registerBotCommands } from './bot-commands.ts';
import { registerDataCommands } from './data-commands.ts';
import { registerServe } from './serve.ts';
import { registerTokenCommands } from './token-commands.ts';

const program = new Command()
  .name('chatlayer-analytics')
  .description('Analytics for chatbots: ingest bot events and serve the Chatlayer Analytics API.')
  .showHelpAfterError();

registerServe(program);
registerDataCommands(program);
registerTokenCommands(program);
registerBotCommands(program);

await program.parseAsync(process.argv);
