import * as Y from 'yjs';
import { chartLists, chartSectionKeys, chartSections } from './chart-shape';
import type { CollabDocumentKind } from './document-names';
import { fieldsOf, restoreEntries, restoreFields } from './entry-map';
import { planLists, planMeta, planReviewDates, replaceReviewDates } from './plan-shape';
import { annotationsMap } from './annotation-shape';

/**
 * Restoring an earlier version is a new change, never a rewrite of history: the target (the
 * live document) is edited until its content equals the version's, writing only what differs,
 * so the history shows who restored what, and people editing other parts keep their work.
 */
export function restoreDocumentContent(kind: CollabDocumentKind, target: Y.Doc, version: Y.Doc, origin?: unknown): void {
	target.transact(() => {
		switch (kind) {
			case 'chart':
				for (const list of chartLists) restoreEntries(target.getMap(list), version.getMap(list));
				restoreSections(chartSections(target), chartSections(version));
				return;
			case 'plan':
				restoreFields(planMeta(target), fieldsOf(planMeta(version)));
				for (const list of planLists) restoreEntries(target.getMap(list), version.getMap(list));
				replaceReviewDates(target, planReviewDates(target), planReviewDates(version).toArray());
				return;
			case 'note':
				restoreFragment(target.getXmlFragment('default'), version.getXmlFragment('default'));
				restoreFields(target.getMap('meta'), fieldsOf(version.getMap('meta')));
				return;
			case 'annotations':
				restoreFields(annotationsMap(target), fieldsOf(annotationsMap(version)));
				return;
		}
	}, origin);
}

/**
 * Section texts are replaced whole when they differ (no diff: a restore is a deliberate
 * "make it read like this", not a merge). A section the version lacks is emptied rather than
 * removed, so an editor bound to it stays bound.
 */
function restoreSections(target: Y.Map<Y.Text>, version: Y.Map<Y.Text>): void {
	for (const key of [...target.keys()]) {
		if (!(chartSectionKeys as readonly string[]).includes(key)) target.delete(key);
	}
	for (const key of chartSectionKeys) {
		const wanted = version.get(key)?.toString() ?? '';
		const current = target.get(key);
		if (!(current instanceof Y.Text)) {
			if (version.has(key)) target.set(key, new Y.Text(wanted));
			continue;
		}
		if (current.toString() === wanted) continue;
		current.delete(0, current.length);
		current.insert(0, wanted);
	}
}

/** The note's blocks are replaced by copies of the version's, unless they already read the same. */
function restoreFragment(target: Y.XmlFragment, version: Y.XmlFragment): void {
	if (target.toString() === version.toString()) return;
	if (target.length > 0) target.delete(0, target.length);
	const copies = version.toArray().map((node) => node.clone());
	if (copies.length > 0) target.insert(0, copies as (Y.XmlElement | Y.XmlText)[]);
}
