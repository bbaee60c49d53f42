/** The contract's error envelope (CONTRACT §3), with the detail fields our errors carry. */
export interface Envelope {
  code: number;
  message: string;
  details: {
    index?: number;
    line?: number;
    field?: string;
    parameter?: string;
    reason?: string;
  }[];
}
