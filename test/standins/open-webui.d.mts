// Types for open-webui.mjs (the Open WebUI stand-in), for TypeScript tests.

export interface OpenWebUIOptions {
  /** Default 8080; 0 = random. */
  port?: number;
  /** Default 0.0.0.0. */
  host?: string;
  openaiApiBaseUrl?: string;
  openaiApiKey?: string;
  webuiSecretKey?: string;
  /** Default /app/backend/data; null = do not touch the disk. */
  dataDir?: string | null;
  /** ENABLE_SIGNUP on first boot (default true); afterwards the value kept in the data dir wins. */
  enableSignup?: boolean;
  /** DEFAULT_USER_ROLE on first boot (default "pending"). */
  defaultUserRole?: string;
  log?: (line: string) => void;
}

export interface OpenWebUIHandle {
  port: number;
  url: string;
  requests: { method?: string; path: string; upgrade?: boolean; at: Date }[];
  /** The marker file written into dataDir at boot, or null. */
  dataFile: string | null;
  close(): Promise<void>;
}

export function startOpenWebUIStandin(options?: OpenWebUIOptions): Promise<OpenWebUIHandle>;
/** Parse one WebSocket frame (unmasking client frames); null when more bytes are needed. */
export function readFrame(buf: Buffer): { fin: boolean; opcode: number; payload: Buffer; length: number } | null;
/** Encode one WebSocket frame; clients must pass mask = true. */
export function encodeFrame(opcode: number, payload: Buffer, mask?: boolean): Buffer;
