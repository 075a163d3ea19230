/**
 * Collaborative document names. Each kind maps to the access decision that guards it. The
 * foundation ships none: the kinds (chart, note, plan, annotations) arrive with their storage
 * (durable log, projection) so that no document ever lives only in memory.
 */
export type CollabDocumentName = never;

export function parseDocumentName(name: string): CollabDocumentName | null {
	void name;
	return null;
}
