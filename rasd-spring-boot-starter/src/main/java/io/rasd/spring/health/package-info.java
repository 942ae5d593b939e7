/**
 * The {@code rasd} health indicator ({@link io.rasd.spring.health.RasdHealthIndicator}): models loaded, datastore
 * state, engine load; see {@code docs/architecture.md} §4.
 */
package io.rasd.spring.health;
