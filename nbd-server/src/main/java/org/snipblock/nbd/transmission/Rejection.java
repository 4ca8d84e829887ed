package org.snipblock.nbd.transmission;

/** Why a request is refused before it reaches the device: the errno and a message for a human. */
record Rejection(int errno, String message) {}
