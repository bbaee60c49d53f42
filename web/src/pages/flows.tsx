import { botQuery } from '../lib/controls.ts';
import type { PageProps } from '../lib/session.ts';
import { ConversationForm, ConversationView } from './flows-conversation.tsx';
import { PathExplorer } from './flows-explorer.tsx';
import { StepDetails, StepList } from './flows-steps.tsx';
import './flows.css';

// Flows: the path explorer from conversation start (Sankey + tree), a step's details with its
// sources and targets, and one conversation's flow (`?conversation=`). Everything the page
// shows is in the address: `open` (JSON list of open paths), `step`, `conversation`.
export default function FlowsPage({ controls, params }: PageProps) {
  const conversation = params.get('conversation');
  const step = params.get('step');
  const query = botQuery(controls, undefined, false);
  if (conversation) {
    return (
      <div class="grid">
        <ConversationView key={conversation} controls={controls} id={conversation} />
        <ConversationForm key={`form:${conversation}`} current={conversation} />
      </div>
    );
  }
  return (
    <div class="grid">
      <PathExplorer controls={controls} params={params} />
      {step ? <StepDetails key={step} botId={controls.bot} step={step} query={query} /> : null}
      <StepList botId={controls.bot} query={query} selected={step} />
      <ConversationForm current={null} />
    </div>
  );
}
