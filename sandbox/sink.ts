import type { BusEvent, EventSink } from './types.ts';

/** An EventSink that keeps every event and forwards it to optional listeners. */
export interface RecordingSink extends EventSink {
  events(): BusEvent[];
  onEvent(listener: (event: BusEvent) => void): () => void;
  clear(): void;
}

export function createRecordingSink(): RecordingSink {
  const events: BusEvent[] = [];
  const listeners = new Set<(event: BusEvent) => void>();
  return {
    emit(event) {
      events.push(event);
      for (const l of listeners) l(event);
    },
    events: () => [...events],
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear: () => {
      events.length = 0;
    },
  };
}
