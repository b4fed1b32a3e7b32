import { describe, expect, it } from 'vitest';
import { parsePhone } from '../../src/core/phone.js';

describe('parsePhone', () => {
  it.each([
    ['+254711000100', undefined],
    ['254711000100', undefined],
    ['00254711000100', undefined],
    ['0711000100', 'KE'],
    ['+254 711 000-100', undefined],
  ])('normalises %s to E.164', (input, country) => {
    expect(parsePhone(input, country).e164).toBe('+254711000100');
  });

  it('gives the national form a subscriber dials', () => {
    expect(parsePhone('+263772279099').national).toBe('0772279099');
  });

  it('names scientific notation as spreadsheet damage', () => {
    expect(() => parsePhone('2.54712E+11')).toThrow(/scientific notation by a spreadsheet/);
  });

  it('names a trailing .0 as spreadsheet damage', () => {
    expect(() => parsePhone('254712345678.0')).toThrow(/"\.0" added by a spreadsheet/);
  });

  it('asks for a country for a local number', () => {
    expect(() => parsePhone('0711000100')).toThrow(/local number: give its country/);
  });

  it('suspects a lost leading zero', () => {
    expect(() => parsePhone('711000100')).toThrow(/lost its leading zero/);
  });

  it('refuses a landline', () => {
    expect(() => parsePhone('+254202222222')).toThrow(/not a mobile number/);
  });

  it('refuses a too-short value with its exit kind', () => {
    try {
      parsePhone('12');
      expect.unreachable();
    } catch (error) {
      expect((error as { kind: string }).kind).toBe('invalidInput');
      expect((error as Error).message).toContain('"12"');
    }
  });
});
