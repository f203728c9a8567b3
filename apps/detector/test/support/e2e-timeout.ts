// e2e tests start real service processes and send real photos: allow more than jest's 5 s on a busy 2-core machine.
jest.setTimeout(60_000);
