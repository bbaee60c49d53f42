/**
 * The demo bot catalog as data: one template per industry, each a small flow graph
 * (welcome → main_menu → branches → anything_else → goodbye, see conversation.ts) with the intents,
 * channels, languages, campaigns and tracking events a bot of that kind has.
 */
import type { BotTemplate, BranchDef, StepDef, TrackDef } from './bots.ts';
import { intBetween, type Rng } from './random.ts';

const dlg = (id: string, say = 1): StepDef => ({ id, type: 'bot_dialog', say, invalid: 0, drop: 0 });
const act = (id: string, kb = false): StepDef => ({ id, type: 'action', say: 0, invalid: 0, drop: 0, kb });
/** A question whose text answer is validated; invalid answers repeat the step. */
const ask = (id: string, inputIntent: string, invalid = 0.12, drop = 0.08): StepDef => ({
  id,
  type: 'input_validation',
  say: 1,
  input: 'text',
  inputIntent,
  invalid,
  drop,
});
const upload = (id: string): StepDef => ({
  id,
  type: 'input_validation',
  say: 1,
  input: 'media',
  invalid: 0.05,
  drop: 0.12,
});
const track = (event: string, p: number, attributes: TrackDef['attributes']): TrackDef => ({ event, p, attributes });
const branch = (intent: string, weight: number, steps: StepDef[], goal?: TrackDef): BranchDef =>
  goal ? { intent, weight, steps, track: goal } : { intent, weight, steps };
const money = (rng: Rng, min: number, max: number) => intBetween(rng, min * 100, max * 100) / 100;
const oneOf = (rng: Rng, a: string, b: string, pA = 0.5) => (rng() < pA ? a : b);

// Every bot answers questions from its knowledge base and can hand over to a human agent.
const faq = (weight: number) =>
  branch(
    'faq',
    weight,
    [act('kb_search', true), dlg('faq_answer', 2)],
    track('link_clicked', 0.3, (r) => ({ url: `https://example.com/help/${intBetween(r, 1, 40)}` })),
  );
const handover = (weight: number) =>
  branch(
    'handover',
    weight,
    // Of type `handover`: the dashboard counts conversations that reach a step of that type.
    [act('check_agent_availability'), { id: 'handover_agent', type: 'handover', say: 1, invalid: 0, drop: 0 }],
    track('handover_requested', 0.9, (r) => ({ queue: oneOf(r, 'general', 'priority', 0.7) })),
  );

const BELGIUM = { nl: 0.45, fr: 0.35, en: 0.15, de: 0.05 };

export const TEMPLATES: readonly BotTemplate[] = [
  {
    slug: 'shop-assistant',
    channels: { web: 0.5, whatsapp: 0.25, messenger: 0.15, instagram: 0.1 },
    languages: BELGIUM,
    weekend: 1.25,
    campaigns: { black_friday: 'facebook_ads', spring_sale: 'newsletter', retarget_q4: 'google_ads' },
    branches: [
      branch('order_status', 3, [
        ask('ask_order_number', 'order_number'),
        act('lookup_order'),
        dlg('order_status_result'),
      ]),
      branch(
        'place_order',
        2,
        [
          dlg('product_catalog', 2),
          ask('choose_product', 'product_choice', 0.05, 0.15),
          act('add_to_cart'),
          ask('checkout_address', 'address', 0.15, 0.2),
          dlg('order_confirmed'),
        ],
        track('order_placed', 0.85, (r) => ({
          order_value: money(r, 9, 250),
          currency: 'EUR',
          items: intBetween(r, 1, 5),
        })),
      ),
      branch(
        'return_item',
        1,
        [ask('ask_order_number', 'order_number'), dlg('return_label', 2)],
        track('return_requested', 0.8, (r) => ({ reason: oneOf(r, 'size', 'damaged') })),
      ),
      faq(2),
      handover(1),
    ],
  },
  {
    slug: 'bank-helpdesk',
    channels: { web: 0.55, voice: 0.25, whatsapp: 0.2 },
    languages: BELGIUM,
    weekend: 0.7,
    campaigns: { mortgage_2025: 'google_ads', app_launch: 'newsletter' },
    branches: [
      branch(
        'block_card',
        2,
        [ask('identify_customer', 'customer_number', 0.1, 0.05), act('block_card_api'), dlg('card_blocked')],
        track('card_blocked', 0.95, (r) => ({ card_type: oneOf(r, 'debit', 'credit', 0.6) })),
      ),
      branch(
        'loan_simulation',
        2,
        [
          ask('ask_amount', 'amount', 0.08, 0.12),
          ask('ask_duration', 'duration', 0.05, 0.1),
          act('simulate_loan'),
          dlg('loan_offer', 2),
        ],
        track('lead_captured', 0.35, (r) => ({ amount: intBetween(r, 5, 300) * 1000, product: 'loan' })),
      ),
      branch(
        'book_appointment',
        1,
        [
          ask('choose_branch', 'branch_office'),
          ask('choose_slot', 'date_time', 0.1, 0.1),
          dlg('appointment_confirmed'),
        ],
        track('appointment_booked', 0.9, (r) => ({ channel: oneOf(r, 'office', 'video') })),
      ),
      faq(3),
      handover(1.5),
    ],
  },
  {
    slug: 'telco-support',
    channels: { web: 0.35, voice: 0.35, whatsapp: 0.2, messenger: 0.1 },
    languages: { nl: 0.5, fr: 0.4, en: 0.1 },
    weekend: 0.9,
    campaigns: { '5g_upgrade': 'sms', fiber_launch: 'facebook_ads' },
    branches: [
      branch('billing_question', 3, [
        ask('identify_customer', 'customer_number', 0.1, 0.06),
        act('fetch_invoice'),
        dlg('invoice_explained', 2),
      ]),
      branch(
        'plan_upgrade',
        1.5,
        [dlg('plan_options', 2), ask('choose_plan', 'plan_choice', 0.05, 0.2), act('change_plan'), dlg('plan_changed')],
        track('plan_upgraded', 0.8, (r) => ({ plan: oneOf(r, 'unlimited', '50gb'), monthly_fee: money(r, 15, 60) })),
      ),
      branch('tech_support', 2.5, [
        dlg('troubleshoot_intro'),
        ask('describe_problem', 'problem_description', 0.2, 0.1),
        act('run_diagnostics'),
        dlg('troubleshoot_result', 2),
      ]),
      faq(2),
      handover(2),
    ],
  },
  {
    slug: 'travel-agent',
    channels: { web: 0.5, whatsapp: 0.3, messenger: 0.2 },
    languages: { en: 0.5, nl: 0.2, fr: 0.2, de: 0.1 },
    weekend: 1.1,
    campaigns: { summer_deals: 'instagram_ads', city_trips: 'newsletter' },
    branches: [
      branch('booking_status', 3, [
        ask('ask_booking_reference', 'booking_reference'),
        act('lookup_booking'),
        dlg('booking_details'),
      ]),
      branch(
        'rebook_flight',
        1.5,
        [
          ask('ask_booking_reference', 'booking_reference'),
          ask('choose_new_date', 'date_time', 0.1, 0.15),
          act('rebook'),
          dlg('rebook_confirmed'),
        ],
        track('booking_changed', 0.8, (r) => ({ fee: money(r, 0, 80), currency: 'EUR' })),
      ),
      branch(
        'online_checkin',
        2,
        [ask('ask_booking_reference', 'booking_reference'), act('checkin'), dlg('boarding_pass')],
        track('checkin_completed', 0.9, (r) => ({ passengers: intBetween(r, 1, 4) })),
      ),
      faq(2.5),
      handover(0.8),
    ],
  },
  {
    slug: 'insurance-claims',
    channels: { web: 0.6, whatsapp: 0.25, voice: 0.15 },
    languages: BELGIUM,
    weekend: 0.75,
    campaigns: { car_insurance: 'google_ads' },
    branches: [
      branch(
        'file_claim',
        3,
        [
          ask('ask_policy_number', 'policy_number'),
          ask('describe_damage', 'damage_description', 0.1, 0.15),
          upload('upload_photo'),
          act('create_claim'),
          dlg('claim_created'),
        ],
        track('claim_submitted', 0.9, (r) => ({
          claim_type: oneOf(r, 'car', 'home', 0.6),
          photos: intBetween(r, 1, 4),
        })),
      ),
      branch(
        'get_quote',
        2,
        [dlg('quote_intro'), ask('ask_postcode', 'postcode', 0.08, 0.15), act('compute_quote'), dlg('quote_result', 2)],
        track('quote_requested', 0.6, (r) => ({ premium: money(r, 120, 900), product: oneOf(r, 'car', 'home') })),
      ),
      faq(2),
      handover(1.5),
    ],
  },
  {
    slug: 'energy-service',
    channels: { web: 0.6, whatsapp: 0.2, voice: 0.2 },
    languages: { nl: 0.55, fr: 0.4, en: 0.05 },
    weekend: 0.8,
    campaigns: { green_energy: 'newsletter' },
    branches: [
      branch(
        'meter_reading',
        3,
        [
          ask('ask_customer_number', 'customer_number'),
          ask('ask_meter_value', 'meter_value', 0.15, 0.08),
          act('store_reading'),
          dlg('reading_saved'),
        ],
        track('meter_reading_submitted', 0.95, (r) => ({ meter: oneOf(r, 'electricity', 'gas', 0.7) })),
      ),
      branch(
        'move_house',
        1,
        [
          ask('ask_new_address', 'address', 0.15, 0.15),
          ask('ask_move_date', 'date_time', 0.1, 0.1),
          dlg('move_registered'),
        ],
        track('move_registered', 0.85, () => ({ source: 'chatbot' })),
      ),
      faq(3),
      handover(1),
    ],
  },
];
