import type * as Y from 'yjs';
import { checkAnnotationsShape } from './annotation-shape';
import { checkChartShape } from './chart-shape';
import type { CollabDocumentKind } from './document-names';
import { rootHasLiveContent, rootLayout } from './document-roots';
import { checkPlanShape } from './plan-shape';

/**
 * The collaboration server's shape rules, in one place: `checkUpdateRoots` (each update on its
 * own), `checkDocumentShape` (a structured document as a whole), `changedParts` (history
 * labels) and `restoreDocumentContent` (an earlier version as a new change).
 */
export { checkUpdateRoots } from './update-check';
export { changedParts, describePart } from './changed-parts';
export { restoreDocumentContent } from './document-restore';
export { documentRoots } from './document-roots';

/**
 * null when the document is in shape, else a plain-words reason. Notes are judged per update
 * (their content is free text within the editor's allowlist), so a note is always in shape here.
 */
export function checkDocumentShape(kind: CollabDocumentKind, doc: Y.Doc): string | null {
	if (kind === 'note') return null;
	for (const [name, type] of doc.share) {
		if (!rootLayout(kind, name) && rootHasLiveContent(type)) return `This document has no part called "${name.slice(0, 40)}".`;
	}
	try {
		switch (kind) {
			case 'chart':
				return checkChartShape(doc);
			case 'plan':
				return checkPlanShape(doc);
			case 'annotations':
				return checkAnnotationsShape(doc);
		}
	} catch {
		// Yjs throws when a part was first made as another type (say an array where a map belongs).
		return 'A part of the document has the wrong type.';
	}
}
