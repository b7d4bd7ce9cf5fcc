/**
 * The fault-injection suites on NATS + Postgres, each test with its own OMS and fault-injection gateway
 * (fault-gateway.ts), in sequence in this one file. The normal order flows run against a real broker in
 * flows.test.ts (gateway-paper; paper-conformance.test.ts proves that gateway conformant).
 */
import './suite-intake.js';
import './suite-broker.js';
import './suite-broker-edge.js';
import './suite-broker-ids.js';
import './suite-e2e.js';
import './suite-order-fate.js';
import './suite-command-claims.js';
import './suite-adoption.js';
