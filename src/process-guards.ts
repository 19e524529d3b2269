/**
 * Imported first by the `baton` entry. Node opens its inspector when it receives SIGUSR1, and an
 * inspector runs any code in this process, with its database and Temporal credentials: whoever may
 * signal the process (a step sharing its uid, where steps are not isolated) must not get that.
 * A listener of our own replaces Node's (`--disable-sigusr1` exists from Node 22.14 only).
 */
process.on('SIGUSR1', () => {
  process.emitWarning('SIGUSR1 ignored: Baton never opens the Node inspector on a signal', { code: 'BATON_SIGUSR1' });
});
