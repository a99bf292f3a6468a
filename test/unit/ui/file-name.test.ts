// A file whose name was too long to save: the card shows the shortened name (its extension kept) and says why.
import { expect } from '@esm-bundle/chai';
import { sanitizeFileName } from '../../../src/chat/files/file-frames';
import { fileNameText } from '../../../src/ui/messages';
import type { TransferCard } from '../../../src/ui/transfer-card';
import '../../../src/ui/transfer-card';
import { transfer } from './fixtures';

async function cardText(name: string): Promise<string> {
  const card = document.createElement('tc-transfer-card') as TransferCard;
  card.transfer = transfer({ name, size: 1000, mime: 'application/pdf', state: 'offered' });
  document.body.append(card);
  await card.updateComplete;
  const text = card.shadowRoot!.textContent!.replace(/\s+/g, ' ');
  card.remove();
  return text;
}

describe('tc-transfer-card: a shortened name', () => {
  it('shows the name as it will be saved, and says it was shortened', async () => {
    const name = sanitizeFileName(`${'Quarterly report for the board '.repeat(10)}.pdf`);
    expect(new TextEncoder().encode(name).length).to.be.at.most(200);
    const text = await cardText(name);
    expect(text).to.include(name).and.include(fileNameText.shortened);
    expect(name.endsWith('….pdf')).to.equal(true);
  });

  it('says nothing of the kind for a name that fits', async () => {
    expect(await cardText('report.pdf')).to.not.include(fileNameText.shortened);
  });
});
