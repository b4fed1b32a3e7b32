import { SegmentedMessage } from 'sms-segments-calculator';
import { invalidInput } from './errors.js';

/**
 * The text a zw order may carry to the recipient (`custom_sms`). Its limits are unpublished, so we hold it
 * to what surely arrives whole: one SMS in the GSM 7-bit alphabet — at most 160 characters, where
 * € [ ] { } | ^ ~ \ count as two. Anything else (emoji, curly quotes, letters outside GSM-7, tabs) would
 * switch the message to UCS-2 (70 characters) or be replaced on the way, so it is refused with the
 * characters named. The counting is Twilio's segment calculator, not ours: GSM-7's escape table is easy to
 * get wrong.
 */
export const maxSmsSeptets = 160;

export function checkCustomSms(text: string, where = '--sms'): string {
  if (text.trim() === '') throw invalidInput(`${where} is empty: leave it out, or give the text to send`);
  const message = new SegmentedMessage(text, 'auto');
  if (message.encodingName !== 'GSM-7') {
    const offending = [...new Set(message.getNonGsmCharacters())].slice(0, 5).map(describeCharacter);
    throw invalidInput(
      `${where} holds ${offending.join(', ')}, outside the SMS (GSM-7) alphabet: use plain letters, digits and punctuation (straight quotes, no emoji)`,
    );
  }
  if (message.numberOfCharacters > maxSmsSeptets) {
    throw invalidInput(
      `${where} is ${message.numberOfCharacters} SMS characters long (€ [ ] { } | ^ ~ \\ count as two): at most ${maxSmsSeptets} fit in one SMS — shorten it by ${message.numberOfCharacters - maxSmsSeptets}`,
    );
  }
  return text;
}

function describeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  // Control characters are named, not printed: they must not act on the terminal that shows the error.
  return code < 0x20 || (code >= 0x7f && code < 0xa0) ? name : `"${character}" (${name})`;
}
