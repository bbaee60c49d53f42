import { useEffect, useState } from 'preact/hooks';

interface Props {
  id: string;
  name?: string;
  list?: string;
  placeholder?: string;
  /** The committed text (the page's state). */
  value: string;
  /** On change (blur, Enter): the text as typed. */
  onCommit: (text: string) => void;
}

/**
 * A text input committed on change, which keeps what is being typed until then. A bare
 * `value={committed}` with `onChange` loses it: any re-render before the commit (an API
 * answer landing, say) writes the committed text back into the input.
 */
export function CommitInput({ id, name, list, placeholder, value, onCommit }: Props) {
  const [draft, setDraft] = useState(value);
  // The committed text changed (a commit, a shared link, a removed sibling): show it.
  useEffect(() => setDraft(value), [value]);
  return (
    <input
      id={id}
      name={name}
      list={list}
      placeholder={placeholder}
      value={draft}
      onInput={(e) => setDraft(e.currentTarget.value)}
      onChange={(e) => onCommit(e.currentTarget.value)}
    />
  );
}
