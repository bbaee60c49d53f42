import { useState } from 'preact/hooks';
import { CommitInput } from '../components/commit-input.tsx';
import { useAttributeValues } from './events-data.ts';
import { type AttributeFilter, NO_VALUE, OPERATORS } from './events-types.ts';

/** The `$` event fields a filter (or a breakdown) may read instead of an attribute. */
export const EVENT_FIELDS = [
  '$channel_type',
  '$language',
  '$campaign_id',
  '$campaign_source',
  '$user_id',
  '$conversation_id',
];

/** How many suggestions are shown as checkboxes; the search box narrows the API's list. */
const SHOWN = 24;

interface Props {
  bot: string;
  /** Suggestions only from this event's occurrences ('' = every event). */
  event: string;
  filter: AttributeFilter;
  /** Unique per filter on the page: ids of the inputs and their labels. */
  id: string;
  onChange: (f: AttributeFilter) => void;
  onRemove: () => void;
}

/** One attribute filter: key, operator and values picked from the API's suggestions (or typed). */
export function FilterEditor({ bot, event, filter, id, onChange, onRemove }: Props) {
  const [query, setQuery] = useState('');
  const [typed, setTyped] = useState('');
  const suggestions = useAttributeValues(bot, filter.key, event, query);
  const needsValue = !NO_VALUE.has(filter.operator);
  // Chosen values stay visible (and un-checkable) even when the search hides them.
  const shown = [...filter.value.filter((v) => !suggestions.includes(v)), ...suggestions.slice(0, SHOWN)];
  const toggle = (v: string, on: boolean) =>
    onChange({ ...filter, value: on ? [...filter.value, v] : filter.value.filter((x) => x !== v) });
  const addTyped = () => {
    const v = typed.trim();
    if (v && !filter.value.includes(v)) onChange({ ...filter, value: [...filter.value, v] });
    setTyped('');
  };
  return (
    <fieldset class="ev-filter" data-filter={id}>
      <legend>Attribute filter</legend>
      <div class="row">
        <label for={`${id}-key`}>Attribute</label>
        <CommitInput
          id={`${id}-key`}
          name="filter-key"
          list="ev-event-fields"
          value={filter.key}
          placeholder="e.g. queue or $channel_type"
          onCommit={(text) => {
            const key = text.trim();
            // Another attribute: the values picked for the old one mean nothing for it.
            if (key !== filter.key) onChange({ ...filter, key, value: [] });
          }}
        />
        <label for={`${id}-op`}>Operator</label>
        <select
          id={`${id}-op`}
          name="filter-operator"
          value={filter.operator}
          onChange={(e) => onChange({ ...filter, operator: e.currentTarget.value })}
        >
          {OPERATORS.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={onRemove}>
          Remove filter
        </button>
      </div>
      {needsValue && filter.key ? (
        <div class="ev-values">
          <div class="row">
            <label for={`${id}-q`}>Search values</label>
            <input id={`${id}-q`} type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
            <label for={`${id}-typed`}>Other value</label>
            <input
              id={`${id}-typed`}
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  addTyped();
                }
              }}
            />
            <button type="button" onClick={addTyped}>
              Add value
            </button>
          </div>
          {shown.length ? (
            <ul class="ev-suggestions" aria-label={`Values of ${filter.key} (last 30 days)`}>
              {shown.map((v) => (
                <li key={v}>
                  <label>
                    <input
                      type="checkbox"
                      data-value={v}
                      checked={filter.value.includes(v)}
                      onChange={(e) => toggle(v, e.currentTarget.checked)}
                    />
                    {v}
                  </label>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No value of this attribute in the last 30 days{query ? ' matches the search' : ''}.</p>
          )}
          {filter.value.length === 0 ? (
            <p class="muted">Pick at least one value: until then the filter is ignored.</p>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}

/** The datalist the key inputs share: the `$` event fields (attribute names are free text). */
export function EventFieldList() {
  return (
    <datalist id="ev-event-fields">
      {EVENT_FIELDS.map((f) => (
        <option key={f} value={f} />
      ))}
    </datalist>
  );
}
