/** Keeps only the last `maxBytes` of a stream, so a child flooding stdout costs the host nothing. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.maxBytes) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  toString(): string {
    return Buffer.concat(this.chunks).subarray(-this.maxBytes).toString('utf8');
  }
}
