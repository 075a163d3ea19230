import type { Extensions } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TableKit } from '@tiptap/extension-table';

/**
 * The content of a clinical note: StarterKit and tables, nothing else. The collaboration server
 * refuses any update with a node or mark outside this set (app/lib/collab/note-shape.ts lists
 * it), so the editor, the read-only version view and the template writer all build their schema
 * from this one list. note-extensions.test.ts fails when the two lists drift apart.
 */
export function noteContentExtensions(): Extensions {
	return [
		StarterKit.configure({
			// Collaboration brings its own undo, per user and over the shared document; ProseMirror's
			// history would undo other people's typing.
			undoRedo: false,
			// A click in a note places the caret; it must not take the writer away from the page.
			link: { openOnClick: false }
		}),
		// No column resizing: its handles are mouse-only, and widths are not clinical content.
		TableKit.configure({ table: { resizable: false, renderWrapper: true } })
	];
}
