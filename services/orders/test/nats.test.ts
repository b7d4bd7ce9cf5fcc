/**
 * Every test that serves orders.* on the shared NATS server lives behind this one file: vitest runs files in
 * parallel but the tests of one file in sequence, so two OMS instances never answer the same request subject.
 */
import './suite-intake.js';
import './suite-broker.js';
import './suite-broker-edge.js';
import './suite-broker-ids.js';
import './suite-e2e.js';
import './suite-order-fate.js';
import './suite-command-claims.js';
import './suite-adoption.js';
