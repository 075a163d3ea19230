import type { DecorationAttrs } from '@tiptap/pm/view';

/**
 * How another person's caret and selection look in a clinical note. Tiptap's defaults accept
 * only "#rrggbb" colours and draw anything else transparent, while the collaboration server
 * stamps each person's colour as `hsl(h s% l%)` (collab-server/extensions/awareness-identity.ts);
 * so these builders take either form, and refuse anything else rather than put it in a style.
 */

const fallbackColor = '#4a5968';
const hex = /^#[0-9a-fA-F]{6}$/;
const hsl = /^hsl\(\d{1,3}(?:\.\d+)? \d{1,3}(?:\.\d+)?% \d{1,3}(?:\.\d+)?%\)$/;

export function safeColor(color: unknown): string {
	return typeof color === 'string' && (hex.test(color) || hsl.test(color)) ? color : fallbackColor;
}

/** The same colour, see-through, to tint a selection without hiding the text under it. */
export function translucent(color: string, alpha = 0.25): string {
	if (hex.test(color)) return `${color}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
	if (hsl.test(color)) return color.replace(/\)$/, ` / ${alpha})`);
	return `rgb(74 89 104 / ${alpha})`;
}

/** The caret: a coloured bar with the author's name above it. */
export function renderCaret(user: { name?: unknown }, color: string): HTMLElement {
	const caret = document.createElement('span');
	caret.classList.add('collaboration-carets__caret');
	caret.style.borderColor = color;
	const label = document.createElement('span');
	label.classList.add('collaboration-carets__label');
	label.style.backgroundColor = color;
	label.textContent = typeof user.name === 'string' && user.name ? user.name : 'Someone';
	caret.append(label);
	// Presence is announced by the avatars; a name read out inside the note text would only confuse.
	caret.setAttribute('aria-hidden', 'true');
	return caret;
}

export function selectionAttrs(color: string): DecorationAttrs {
	return { class: 'collaboration-carets__selection', style: `background-color: ${translucent(color)}` };
}
