import type * as Y from 'yjs';
import type { CollabDocumentKind } from './document-names';

/**
 * Which parts of a document a transaction touched, as stable labels for the history list
 * ("Dr. Chen changed Allergies"): the root's name, a chart section as `sections:<key>`, the
 * note's text as `note` and its template choice as `template`.
 */
export function changedParts(kind: CollabDocumentKind, transaction: Y.Transaction): string[] {
	const rootNames = new Map<Y.AbstractType<any>, string>();
	for (const [name, type] of transaction.doc.share) rootNames.set(type, name);
	const parts = new Set<string>();
	const visit = (type: Y.AbstractType<any>, keys: Iterable<string | null>) => {
		let current = type;
		let keyUnderRoot: string | null = null;
		while (current._item !== null) {
			keyUnderRoot = current._item.parentSub;
			const parent = current._item.parent;
			if (parent === null || typeof parent !== 'object' || !('_item' in parent)) return;
			current = parent as Y.AbstractType<any>;
		}
		const rootName = rootNames.get(current);
		if (rootName === undefined) return;
		const underRoot = current === type ? [...keys] : [keyUnderRoot];
		for (const key of underRoot) parts.add(partLabel(kind, rootName, key));
	};
	for (const [type, keys] of transaction.changed) visit(type, keys);
	for (const type of transaction.changedParentTypes.keys()) visit(type, [null]);
	return [...parts].filter((part) => part !== '').sort();
}

function partLabel(kind: CollabDocumentKind, rootName: string, key: string | null): string {
	if (kind === 'chart' && rootName === 'sections') return key === null ? '' : `sections:${key}`;
	if (kind === 'note') return rootName === 'default' ? 'note' : rootName === 'meta' ? 'template' : rootName;
	return rootName;
}

const partTitles: Record<string, string> = {
	problems: 'Problems',
	allergies: 'Allergies',
	medications: 'Medications',
	'sections:history': 'History',
	'sections:social': 'Social history',
	'sections:family': 'Family history',
	'sections:summary': 'Summary',
	note: 'Note text',
	template: 'Note template',
	meta: 'Plan details',
	goals: 'Goals',
	interventions: 'Interventions',
	medicationSchedule: 'Medication schedule',
	reviewDates: 'Review dates',
	annotations: 'Annotations'
};

/** The words a screen shows for a part label. */
export function describePart(part: string): string {
	return partTitles[part] ?? part;
}
