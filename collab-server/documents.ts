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

/**
 * Kinds of document that belong to one patient, named `<kind>:<patientId>` or
 * `<kind>:<patientId>:<more>` (e.g. `chart:<patientId>`). Not openable yet (parseDocumentName
 * knows no kinds); named here so that revoking someone's access to a patient already closes
 * their connections to that patient's documents when the kinds arrive.
 */
export const patientDocumentKinds = ['chart', 'note', 'plan', 'annotations'] as const;

const patientDocumentName = new RegExp(`^(?:${patientDocumentKinds.join('|')}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?::|$)`, 'i');

/** The patient a document belongs to, or null for a document that is about no one patient. */
export function patientIdOfDocument(name: string): string | null {
	return patientDocumentName.exec(name)?.[1]?.toLowerCase() ?? null;
}
