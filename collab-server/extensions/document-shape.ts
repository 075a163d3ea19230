import type { Extension, beforeHandleMessagePayload, afterLoadDocumentPayload, afterUnloadDocumentPayload } from '@hocuspocus/server';
import * as Y from 'yjs';
import { parseDocumentName, type CollabDocumentKind } from '../../app/lib/collab/document-names';
import { checkDocumentShape, checkUpdateRoots } from '../../app/lib/collab/document-shape';
import { annotationsMap, checkAnnotationsDocument } from '../../app/lib/collab/annotation-shape';
import { readClientUpdate } from '../protocol';
import type { CollabContext } from '../context';

/** Close code for "policy violation" (RFC 6455): the change breaks the document's shape. */
const policyViolation = 1008;

/** Kinds whose whole content is typed (checked on a shadow copy); notes are checked per update. */
const structuredKinds: ReadonlySet<CollabDocumentKind> = new Set(['chart', 'plan', 'annotations']);

/**
 * Keeps documents in shape. Every update is first checked on its own (only the kind's root
 * parts, only allowed note nodes and marks); for structured documents it is then applied to a
 * shadow copy of the document and the result validated, and only a valid result lets the
 * update through to the live document. A refusal closes that document's connection with the
 * reason (the client validates with the same rules before writing, so only a faulty or
 * hostile client gets here) and the live document is untouched.
 */
export class DocumentShapeExtension implements Extension {
	// After the limits (no oversized update is decoded), before the log (nothing invalid is stored).
	priority = 900;
	private readonly shadows = new Map<string, Y.Doc>();

	async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload<CollabContext>): Promise<void> {
		const kind = parseDocumentName(documentName)?.kind;
		if (!kind || !structuredKinds.has(kind)) return;
		const shadow = new Y.Doc();
		Y.applyUpdate(shadow, Y.encodeStateAsUpdate(document));
		this.shadows.set(documentName, shadow);
		// Server-side writes reach the live document directly; the shadow follows it.
		document.on('update', (update: Uint8Array) => {
			const current = this.shadows.get(documentName);
			if (current) Y.applyUpdate(current, update);
		});
	}

	async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
		this.shadows.get(documentName)?.destroy();
		this.shadows.delete(documentName);
	}

	async beforeHandleMessage({ update: frame, documentName, document, context }: beforeHandleMessagePayload<CollabContext>): Promise<void> {
		const update = readClientUpdate(frame);
		if (update === null) return;
		const ref = parseDocumentName(documentName);
		const kind = ref?.kind;
		if (!kind) throw { code: policyViolation, reason: 'Unknown document.' };
		const rootProblem = checkUpdateRoots(kind, update);
		if (rootProblem) throw { code: policyViolation, reason: rootProblem };
		const shadow = this.shadows.get(documentName);
		if (!shadow) return;
		const annotationsBefore = ref.kind === 'annotations' ? new Map(annotationsMap(shadow).entries()) : null;
		try {
			Y.applyUpdate(shadow, update);
		} catch {
			this.resetShadow(documentName, document);
			throw { code: policyViolation, reason: 'The change could not be read.' };
		}
		let shapeProblem = checkDocumentShape(kind, shadow);
		if (!shapeProblem && ref.kind === 'annotations') {
			shapeProblem = checkAnnotationsDocument(shadow, ref.documentId) ?? checkAnnotationAuthors(annotationsBefore!, shadow, context.actor?.userId);
		}
		if (shapeProblem) {
			this.resetShadow(documentName, document);
			throw { code: policyViolation, reason: `Change refused: ${shapeProblem}` };
		}
	}

	/** The shadow took a refused update: rebuild it from the live document. */
	private resetShadow(documentName: string, document: Y.Doc): void {
		const old = this.shadows.get(documentName);
		const shadow = new Y.Doc();
		Y.applyUpdate(shadow, Y.encodeStateAsUpdate(document));
		this.shadows.set(documentName, shadow);
		old?.destroy();
	}
}

/**
 * Everyone annotates in their own name: an annotation this update adds or changes must name the
 * connection's user as its creator. Removing someone else's annotation is allowed (a clinician
 * tidying a shared report); the log keeps who did it.
 */
function checkAnnotationAuthors(before: Map<string, unknown>, shadow: Y.Doc, userId: string | undefined): string | null {
	for (const [key, value] of annotationsMap(shadow).entries()) {
		if (before.get(key) === value) continue;
		const creator = (value as { creator?: { id?: unknown } }).creator?.id;
		if (creator !== userId) return `Annotation ${key}: you can only write annotations in your own name.`;
	}
	return null;
}
