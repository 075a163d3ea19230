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

/** sRGB channels 0..1 of a colour safeColor accepted. */
function channels(color: string): [number, number, number] {
	if (hex.test(color)) return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16) / 255) as [number, number, number];
	const [h, s, l] = color.match(/[\d.]+/g)!.map(Number) as [number, number, number];
	const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
	const f = (n: number) => {
		const k = (n + h / 30) % 12;
		return l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
	};
	return [f(0), f(8), f(4)];
}

/**
 * Black or white, whichever reads better on the colour (WCAG relative luminance): the server's
 * 35 %-lightness colours are dark for blue and red hues but too light for white text at yellow.
 */
export function labelTextColor(color: string): '#000000' | '#ffffff' {
	const linear = channels(color).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
	const luminance = 0.2126 * linear[0]! + 0.7152 * linear[1]! + 0.0722 * linear[2]!;
	const onWhite = 1.05 / (luminance + 0.05);
	const onBlack = (luminance + 0.05) / 0.05;
	return onBlack > onWhite ? '#000000' : '#ffffff';
}

/** The caret: a coloured bar with the author's name above it. */
export function renderCaret(user: { name?: unknown }, color: string): HTMLElement {
	const caret = document.createElement('span');
	caret.classList.add('collaboration-carets__caret');
	caret.style.borderColor = color;
	const label = document.createElement('span');
	label.classList.add('collaboration-carets__label');
	label.style.backgroundColor = color;
	label.style.color = labelTextColor(color);
	label.textContent = typeof user.name === 'string' && user.name ? user.name : 'Someone';
	caret.append(label);
	// Presence is announced by the avatars; a name read out inside the note text would only confuse.
	caret.setAttribute('aria-hidden', 'true');
	return caret;
}

export function selectionAttrs(color: string): DecorationAttrs {
	return { class: 'collaboration-carets__selection', style: `background-color: ${translucent(color)}` };
}
