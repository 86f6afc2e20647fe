// The shopping cart: what a visitor has put aside before checking out.
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { say } from './messages.js';

const MAX_ITEMS = 50;

// Every cart in the shop, found by its id.
const carts = new Map();

export function cartRoutes(config) {
  const router = Router();

  // Shows the caller's cart.
  router.get('/api/cart', (req, res) => {
    const items = carts.get(req.session.cartId) ?? [];
    res.json({ instance: config.instance, items });
  });

  // Adds one item to the caller's cart: {"item": "notebook"}.
  router.post('/api/cart/items', express.json({ limit: '10kb' }), async (req, res) => {
    const item = readItem(req.body);
    if (item === null) {
      res.status(400).json({ error: say.itemInvalid });
      return;
    }
    // The session remembers which cart belongs to this visitor.
    req.session.cartId ??= randomUUID();
    const items = carts.get(req.session.cartId) ?? [];
    if (items.length >= MAX_ITEMS) {
      res.status(409).json({ error: say.cartFull(MAX_ITEMS) });
      return;
    }
    items.push(item);
    carts.set(req.session.cartId, items);
    await saveSession(req);
    res.status(201).json({ instance: config.instance, items });
  });

  // Empties the caller's cart.
  router.delete('/api/cart', (req, res) => {
    carts.delete(req.session.cartId);
    res.json({ instance: config.instance, items: [] });
  });

  return router;
}

function readItem(body) {
  const item = body?.item;
  if (typeof item !== 'string') return null;
  const name = item.trim();
  return name.length >= 1 && name.length <= 100 ? name : null;
}

// Saves the session before answering: what we report is what the session store has kept.
function saveSession(req) {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
}
