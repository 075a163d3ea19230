import { describe, expect, it } from 'vitest';
import { labelTextColor, safeColor, selectionAttrs, translucent } from './caret-style';

describe('caret colours', () => {
	it('keeps the server’s hsl colours and hex colours, and refuses anything that could inject a style', () => {
		expect(safeColor('hsl(212 70% 35%)')).toBe('hsl(212 70% 35%)');
		expect(safeColor('#0f5c7a')).toBe('#0f5c7a');
		expect(safeColor('red; background: url(x)')).toBe('#4a5968');
		expect(safeColor('hsl(1 2% 3%); x')).toBe('#4a5968');
		expect(safeColor(undefined)).toBe('#4a5968');
	});

	it('tints selections with a see-through version of the colour', () => {
		expect(translucent('hsl(212 70% 35%)')).toBe('hsl(212 70% 35% / 0.25)');
		expect(translucent('#0f5c7a')).toBe('#0f5c7a40');
		expect(selectionAttrs('hsl(10 70% 35%)')).toEqual({ class: 'collaboration-carets__selection', style: 'background-color: hsl(10 70% 35% / 0.25)' });
	});

	it('writes names in black or white, whichever contrasts more with the colour', () => {
		expect(labelTextColor('hsl(220 70% 35%)')).toBe('#ffffff'); // dark blue
		expect(labelTextColor('hsl(60 70% 35%)')).toBe('#000000'); // olive: white would read at 2.9:1
		expect(labelTextColor('#0f5c7a')).toBe('#ffffff');
		expect(labelTextColor('#f0a500')).toBe('#000000');
	});
});
