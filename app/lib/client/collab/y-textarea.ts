import type { Attachment } from 'svelte/attachments';
import type * as Y from 'yjs';
import { diffText, transformPosition, type TextDelta } from './text-diff';

/**
 * Binds a <textarea> to a shared Y.Text, both ways: what the person types goes in as small
 * edits (so two people typing in one section both keep their words), and what others type
 * appears without moving this person's caret or selection. Use as
 * `<textarea {@attach yTextarea(text)}>`.
 */
export function yTextarea(text: Y.Text): Attachment<HTMLTextAreaElement> {
	return (textarea) => {
		// Identifies our own edits in the observer below.
		const origin = Symbol('textarea');
		let known = text.toString();
		let composing = false;
		textarea.value = known;

		const onInput = () => {
			if (composing) return;
			const edit = diffText(known, textarea.value, textarea.selectionEnd);
			known = textarea.value;
			if (!edit || !text.doc) return;
			text.doc.transact(() => {
				if (edit.remove > 0) text.delete(edit.index, edit.remove);
				if (edit.insert) text.insert(edit.index, edit.insert);
			}, origin);
		};
		// An input method composes a character over several events; write it once it is settled.
		const onCompositionStart = () => (composing = true);
		const onCompositionEnd = () => {
			composing = false;
			onInput();
		};
		const onRemoteChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
			if (transaction.origin === origin) return;
			const delta = event.delta as TextDelta;
			const focused = document.activeElement === textarea;
			const start = transformPosition(textarea.selectionStart, delta);
			const end = transformPosition(textarea.selectionEnd, delta);
			known = text.toString();
			textarea.value = known;
			if (focused) textarea.setSelectionRange(start, end, textarea.selectionDirection);
		};

		textarea.addEventListener('input', onInput);
		textarea.addEventListener('compositionstart', onCompositionStart);
		textarea.addEventListener('compositionend', onCompositionEnd);
		text.observe(onRemoteChange);
		return () => {
			textarea.removeEventListener('input', onInput);
			textarea.removeEventListener('compositionstart', onCompositionStart);
			textarea.removeEventListener('compositionend', onCompositionEnd);
			text.unobserve(onRemoteChange);
		};
	};
}
