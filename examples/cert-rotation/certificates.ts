/**
 * Simulated load balancers and the certificate authority that renews their TLS certificates. It
 * stands in for the cloud load-balancer and ACME/CA APIs a real workflow would call.
 *
 * No timers: a renewal records when the CA will have issued it, and every read compares that with
 * `clock.now()`, so it behaves the same under the system clock and under `rnr/testing`'s.
 */
import type { Clock } from 'rnr';

const DAY = 86_400_000;

/** A load balancer's certificate, as its API reports it. */
export interface Certificate {
  balancer: string;
  /** When the installed certificate expires (ms since the epoch). */
  notAfter: number;
  /** A renewal requested of the CA, until it is installed. */
  renewal?: { key: string; issuedAt: number };
}

/** Options of {@link createCertificates}. */
export interface CertificatesOptions {
  /** Each balancer and how many days its certificate has left now. */
  balancers: Readonly<Record<string, number>>;
  clock: Pick<Clock, 'now'>;
  /** How long the CA takes to issue a certificate. Default 3 minutes. */
  issueMs?: number;
  /** How long an issued certificate is valid. Default 90 days. */
  validDays?: number;
}

/** The balancers' certificate API. */
export interface Certificates {
  list(): Promise<string[]>;
  describe(balancer: string): Promise<Certificate>;
  /** Asks the CA for a new certificate; the same key again is the same request. */
  requestRenewal(balancer: string, key: string): Promise<void>;
  /** Installs an issued renewal on the balancer. */
  install(balancer: string): Promise<void>;
  /** Renewals requested of the CA so far. */
  readonly requests: number;
}

/**
 * Makes the simulated balancers.
 *
 * @example
 * const certs = createCertificates({ balancers: { 'lb-eu-1': 60, 'lb-eu-2': 9 }, clock: systemClock });
 */
export function createCertificates(options: CertificatesOptions): Certificates {
  const { clock } = options;
  const issueMs = options.issueMs ?? 3 * 60_000;
  const validMs = (options.validDays ?? 90) * DAY;
  const start = clock.now();
  const certs = new Map<string, Certificate>(
    Object.entries(options.balancers).map(([balancer, days]) => [
      balancer,
      { balancer, notAfter: start + days * DAY },
    ]),
  );
  let requests = 0;
  const get = (balancer: string): Certificate => {
    const cert = certs.get(balancer);
    if (!cert) throw new Error(`no load balancer ${balancer}`);
    return cert;
  };
  return {
    list: async () => [...certs.keys()],
    describe: async (balancer) => structuredClone(get(balancer)),
    async requestRenewal(balancer, key) {
      const cert = get(balancer);
      if (cert.renewal?.key === key) return;
      requests++;
      cert.renewal = { key, issuedAt: clock.now() + issueMs };
    },
    async install(balancer) {
      const cert = get(balancer);
      if (!cert.renewal || cert.renewal.issuedAt > clock.now())
        throw new Error(`${balancer}: no issued renewal`);
      cert.notAfter = cert.renewal.issuedAt + validMs;
      delete cert.renewal;
    },
    get requests() {
      return requests;
    },
  };
}
