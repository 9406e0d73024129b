/** The lab's text forms of each entity, so CLI output reads like the lab's scripts. */
import type { Friendship, Photo, Reaction, User } from '../schema/entities.js';

export const formatUser = (u: User): string => `User<${u.username} -- ${u.name}>`;
export const formatPhoto = (p: Photo): string => `Photo<${p.username} -- ${p.timestamp}>`;
export const formatReaction = (r: Reaction): string => `Reaction<${r.reactingUser} -- ${r.photo} -- ${r.reactionType}>`;
export const formatFriendship = (f: Friendship): string => `Friendship<${f.followedUser} -- ${f.followingUser}>`;

export function describeUser(u: User): string[] {
  return [
    formatUser(u),
    `  email       ${u.email}`,
    `  birthdate   ${u.birthdate}`,
    `  address     ${u.address.replace(/\n/g, ', ')}`,
    `  status      ${u.status}`,
    `  interests   ${u.interests.join(', ')}`,
    `  followers   ${u.followers}`,
    `  following   ${u.following}`,
    ...(u.pinnedImage ? [`  pinned      ${u.pinnedImage}`] : []),
  ];
}

export function describePhoto(p: Photo): string[] {
  const counts = Object.entries(p.reactions).map(([type, n]) => `${type} ${n}`).join(', ');
  return [formatPhoto(p), `  location    ${p.location}`, `  reactions   ${counts}`];
}
