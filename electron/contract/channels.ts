/** IPC channel names, kept dependency-free so the preload bundle stays tiny. */
export const ipcChannels = { call: 'scorescope:call', event: 'scorescope:event' } as const;
