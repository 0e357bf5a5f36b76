/** Time as a port: the core never calls Date.now(). */
export interface Clock {
  now(): Date;
}

/** A clock that only moves when told to (tests, the simulator). */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = '2026-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves time forward by `ms` milliseconds. */
  step(ms: number): void {
    this.current += ms;
  }

  set(time: Date | string | number): void {
    this.current = new Date(time).getTime();
  }
}
