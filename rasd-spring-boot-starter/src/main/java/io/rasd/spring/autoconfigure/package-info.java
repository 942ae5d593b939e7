/**
 * Spring Boot auto-configuration: the rasd engine, datastore and chat models from {@code rasd.*} properties
 * ({@link io.rasd.spring.autoconfigure.RasdAutoConfiguration}, {@link io.rasd.spring.autoconfigure.RasdProperties});
 * see {@code docs/architecture.md} §4.
 */
package io.rasd.spring.autoconfigure;
