/**
 * Trains the demo models of {@code models/} and builds the benchmark tasks ({@link io.rasd.train.TrainDemoModels},
 * {@link io.rasd.train.BuildBenchTasks}); see {@code docs/architecture.md} §13.
 */
package io.rasd.train;
