/** A tiny typed event emitter shared by the transports (one map of event names to payloads). */
export class Emitter<Events extends object> {
	readonly #handlers = new Map<keyof Events, Set<(payload: never) => void>>();

	on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
		let set = this.#handlers.get(event);
		if (!set) this.#handlers.set(event, (set = new Set()));
		set.add(handler as (payload: never) => void);
		return () => set.delete(handler as (payload: never) => void);
	}

	emit<K extends keyof Events>(event: K, payload: Events[K]): void {
		for (const handler of [...(this.#handlers.get(event) ?? [])]) {
			try {
				(handler as (payload: Events[K]) => void)(payload);
			} catch (error) {
				// A faulty UI handler must not break the media machinery.
				console.error(`call transport: a '${String(event)}' handler threw`, error);
			}
		}
	}

	clear(): void {
		this.#handlers.clear();
	}
}
