// What the page knows of one conversation, kept in localStorage so that a
// reload shows it at once and pulls only what came after `lastSeq`. Only the
// newest KEPT_MESSAGES are kept: localStorage holds a few megabytes per
// origin, shared by every conversation, and a long chat would fill it.

/** A text message as the page shows it. */
export interface ShownMessage {
  seq: number;
  senderId: string;
  text: string;
}

export interface History {
  /** Every seq up to this one has been seen (messages, events and holes alike). */
  lastSeq: number;
  /** The peer has read up to this seq (from read receipts). */
  peerReadSeq: number;
  /** The seq up to which this user marked the conversation read. */
  readSeq: number;
  /** The peer's devices received up to this seq (from delivery receipts). */
  peerDeliveredSeq: number;
  /** The seq up to which this page reported delivery (AckDelivery). */
  ackedSeq: number;
  messages: ShownMessage[];
}

// Seqs are int64 on the wire (bigint); a conversation's stay far below 2^53.
const KEY_PREFIX = "parley-web-chat:v1";
/** Messages kept per conversation (the newest). */
export const KEPT_MESSAGES = 100;

function key(userId: string, conversationId: string): string {
  return `${KEY_PREFIX}:${userId}:${conversationId}`;
}

export function emptyHistory(): History {
  return { lastSeq: 0, peerReadSeq: 0, readSeq: 0, peerDeliveredSeq: 0, ackedSeq: 0, messages: [] };
}

export function loadHistory(userId: string, conversationId: string): History {
  const empty = emptyHistory();
  const raw = localStorage.getItem(key(userId, conversationId));
  if (raw === null) return empty;
  try {
    return { ...empty, ...(JSON.parse(raw) as Partial<History>) };
  } catch {
    return empty; // written by another version of the page: start over
  }
}

/** Saves the history, dropping (from it too) all but the newest KEPT_MESSAGES messages. */
export function saveHistory(userId: string, conversationId: string, history: History): void {
  if (history.messages.length > KEPT_MESSAGES) history.messages.splice(0, history.messages.length - KEPT_MESSAGES);
  localStorage.setItem(key(userId, conversationId), JSON.stringify(history));
}
