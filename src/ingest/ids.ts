/**
 * The one rule for team and bot ids (CONTRACT §1: 1–128 characters of [A-Za-z0-9._:-]),
 * shared by ingest, the HTTP routes (path bot_id) and the `bot` CLI command, so an id
 * one of them accepts is never refused (or unreadable) by another.
 */
export const ID_MAX_LENGTH = 128;
const ID_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${ID_MAX_LENGTH}}$`);
export const ID_RULE = `1-${ID_MAX_LENGTH} characters of [A-Za-z0-9._:-], not "." or ".."`;

// `.` and `..` fit the pattern but are dot segments: every URL client resolves them
// (`/v1/bots/../messages` becomes `/v1/messages`), so such a bot could never be read.
export const isValidId = (value: string): boolean => ID_PATTERN.test(value) && value !== '.' && value !== '..';
