package dev.jcri.sandbox;

/** What a startup recovery found: records kept, and half-made objects a crash left that it undid. */
public record Recovery(int restored, int cleaned) {}
