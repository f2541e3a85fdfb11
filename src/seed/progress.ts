// A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise).
export function progressBar(out: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastDecile = -1;
  let lastLabel = '';
  return (label: string, done: number, total: number): void => {
    if (label !== lastLabel) lastDecile = -1;
    lastLabel = label;
    const share = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(share * width);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const line = `${label.padEnd(13)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${secs}s`;
    if (out.isTTY) {
      out.write(`\r${line}${done >= total ? '\n' : ''}`);
    } else {
      const decile = Math.floor(share * 10);
      if (decile !== lastDecile || done >= total) out.write(`${line}\n`);
      lastDecile = decile;
    }
  };
}
