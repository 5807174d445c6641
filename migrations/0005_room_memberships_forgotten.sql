-- Forgetting a room (POST /rooms/{roomId}/forget) is per user and outlives the membership row's updates
-- until the user's membership changes again; a new membership clears it.
-- Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3roomsroomidforget
ALTER TABLE room_memberships ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0 CHECK (forgotten IN (0, 1));
