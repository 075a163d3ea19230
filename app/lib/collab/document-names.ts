/**
 * Names of the collaborative documents: `chart:<patientId>`, `note:<encounterId>`,
 * `plan:<planId>`, `annotations:<documentId>`. The name is what the browser asks the
 * collaboration server for, so parsing is strict: anything but a known kind followed by a
 * lowercase UUID is refused (null), never coerced — one document, one spelling.
 */
export type CollabDocumentRef =
	| { kind: 'chart'; patientId: string }
	| { kind: 'note'; encounterId: string }
	| { kind: 'plan'; planId: string }
	| { kind: 'annotations'; documentId: string };

export type CollabDocumentKind = CollabDocumentRef['kind'];

export const collabDocumentKinds = ['chart', 'note', 'plan', 'annotations'] as const satisfies readonly CollabDocumentKind[];

const lowercaseUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isLowercaseUuid(value: string): boolean {
	return lowercaseUuid.test(value);
}

export function parseDocumentName(name: string): CollabDocumentRef | null {
	const colon = name.indexOf(':');
	if (colon < 0) return null;
	const kind = name.slice(0, colon);
	const id = name.slice(colon + 1);
	if (!isLowercaseUuid(id)) return null;
	switch (kind) {
		case 'chart':
			return { kind, patientId: id };
		case 'note':
			return { kind, encounterId: id };
		case 'plan':
			return { kind, planId: id };
		case 'annotations':
			return { kind, documentId: id };
		default:
			return null;
	}
}

/** The id the document is about (patient, encounter, plan or stored document). */
export function documentSubjectId(ref: CollabDocumentRef): string {
	switch (ref.kind) {
		case 'chart':
			return ref.patientId;
		case 'note':
			return ref.encounterId;
		case 'plan':
			return ref.planId;
		case 'annotations':
			return ref.documentId;
	}
}

export function documentName(ref: CollabDocumentRef): string {
	const id = documentSubjectId(ref);
	// A name built here must parse back; a bad id is a programming error, not user input.
	if (!isLowercaseUuid(id)) throw new Error(`Not a lowercase UUID: ${JSON.stringify(id)}`);
	return `${ref.kind}:${id}`;
}
